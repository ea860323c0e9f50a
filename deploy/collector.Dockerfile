# The collector for docker compose and Kubernetes: the same package the Azure Function runs.
# Build from the repository root:  docker build -f deploy/collector.Dockerfile .
FROM python:3.12-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY copilot_usage ./copilot_usage
RUN pip install --no-cache-dir . && useradd --uid 10001 --no-create-home collector

# Non-root; the archive (if ARCHIVE_DIR is set) must be a volume writable by this user.
USER 10001
ENTRYPOINT []
CMD ["copilot-usage", "collect", "--every", "1h"]
