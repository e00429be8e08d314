# The API and the indexer share this image; docker-compose.yml runs it both ways.
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 evidence
WORKDIR /app
COPY pyproject.toml README.md ./
COPY evidence ./evidence
COPY indexer ./indexer
COPY search_api ./search_api
COPY mappings ./mappings
COPY frontend ./frontend
RUN pip install --no-cache-dir .

USER evidence
ENV EVIDENCE_API_HOST=0.0.0.0 \
    EVIDENCE_API_PORT=8000
EXPOSE 8000
CMD ["python", "-m", "search_api", "serve"]
