# The API and the indexer share this image; docker-compose.yml runs it both ways.
FROM python:3.11-slim

# Tesseract and the archive's languages, for OCR of scanned documents (indexer/ocr.py);
# the font the demo's scanned filings are rendered in (indexer/demo/scans.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-ara \
        tesseract-ocr-deu tesseract-ocr-fra fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The folders docker-compose.yml mounts named volumes on: a fresh named volume takes the
# owner of its mount point, so creating them here owned by the app's user is what lets
# it write bundles and uploads (docs/deployment.md).
RUN useradd --create-home --uid 10001 evidence \
    && mkdir -p /var/lib/evidence/bundles /var/lib/evidence/uploads /var/lib/evidence/originals \
    && chown evidence:evidence /var/lib/evidence/bundles /var/lib/evidence/uploads \
        /var/lib/evidence/originals
WORKDIR /app
COPY pyproject.toml README.md ./
COPY evidence ./evidence
COPY indexer ./indexer
COPY search_api ./search_api
COPY mappings ./mappings
COPY frontend ./frontend
RUN pip install --no-cache-dir . \
    && pybabel -q compile -d frontend/locale -D messages

USER evidence
# The image alone (plain `docker run`) keeps uploads at the same mount point compose uses.
ENV EVIDENCE_API_HOST=0.0.0.0 \
    EVIDENCE_API_PORT=8000 \
    EVIDENCE_UPLOADS_DIR=/var/lib/evidence/uploads \
    EVIDENCE_ORIGINALS_DIR=/var/lib/evidence/originals
EXPOSE 8000
CMD ["python", "-m", "search_api", "serve"]
