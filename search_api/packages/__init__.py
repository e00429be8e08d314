"""Court exhibit packages: numbered exhibits, a signed manifest, custody per exhibit."""
