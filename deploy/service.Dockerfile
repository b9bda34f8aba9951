# The image of every Trivium service and emulator: one recipe, the workspace member and its port
# as build arguments. Build from the repository root, e.g.
#   docker build -f deploy/service.Dockerfile --build-arg PACKAGE=quote-to-order-process \
#     --build-arg PORT=8201 -t trivium/quote-to-order .
# PACKAGE is the member's project name in its pyproject.toml; its Python package is the same
# name with underscores (quote_to_order_process), whose main.create_app uvicorn serves.
ARG PACKAGE
ARG PORT

FROM python:3.11-slim AS build
ARG PACKAGE
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
WORKDIR /app
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
COPY . .
RUN test -n "$PACKAGE" && uv sync --frozen --no-dev --no-editable --package "$PACKAGE"

FROM python:3.11-slim
ARG PACKAGE
ARG PORT
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 SERVICE_PACKAGE=$PACKAGE SERVICE_PORT=$PORT
USER 10001
EXPOSE $PORT
HEALTHCHECK CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['SERVICE_PORT'] + '/healthz')"
# Idle connections are kept 75 s, longer than any client keeps one (ours 4 s, Kong 60 s), so no
# client sends a request into a connection the server is closing. `exec`: uvicorn is PID 1 and
# receives the container's SIGTERM for a graceful shutdown.
CMD exec uvicorn --factory "$(echo "$SERVICE_PACKAGE" | tr - _).main:create_app" \
    --host 0.0.0.0 --port "$SERVICE_PORT" --no-access-log --timeout-keep-alive 75
