# The base image of every Python service: the System, Process and Experience APIs and the
# emulators (Kong has its own, deploy/kong/Dockerfile). It holds what they all run the same way:
# Python, the virtual environment's place, the uvicorn command and the health check. Each
# service's own Dockerfile starts FROM it and adds what is its own: its workspace member
# (installed as root from the build context by a mounted uv, so neither uv nor the sources stay in
# the image), its app factory (TRIVIUM_APP) and its port (TRIVIUM_PORT, and EXPOSE), then runs as
# the non-root user 10001.
#
# Build it from the repository root before any service image (`make images` builds it first):
#   docker build -f deploy/docker/python-service.Dockerfile -t trivium/python-service .
FROM python:3.11-slim
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never
WORKDIR /app
# Shell forms so that the service's variables are read when the container runs; `exec` leaves
# uvicorn as PID 1, the process that gets the stop signal. Idle connections are kept 75 s, longer
# than any client keeps one (httpx 5 s, Kong 60 s).
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${TRIVIUM_PORT}/healthz')"
CMD exec uvicorn --factory "$TRIVIUM_APP" --host 0.0.0.0 --port "$TRIVIUM_PORT" --no-access-log --timeout-keep-alive 75
