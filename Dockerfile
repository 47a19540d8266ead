# One image for every process of the platform: each service's web app and worker, the
# migrations and the gateway. docker-compose.yml picks the process with `command:`.
# Not used by the tests; see docker-compose.yml.
FROM python:3.11-slim

# PYTHONPATH=/app: run the code from /app, as kit.launcher does (cwd and PYTHONPATH = repo
# root). kit.config finds services/<name>/migrations next to itself, and the wheel from
# `pip install .` leaves non-Python files (gateway/templates) out, so the copy in
# site-packages alone would not do. SB_VAR_DIR: where kit.config.var_dir() may create files;
# writable by the non-root user.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app \
    SB_VAR_DIR=/var/lib/selvbetjening

WORKDIR /app

# Dependencies first, so code changes don't re-install them. requirements.lock also pins the
# dev tools (pytest, ruff, mypy and what only they need); they are left out of the image, and
# `pip check` fails the build should that ever drop something the runtime needs.
COPY requirements.lock ./
RUN grep -viE '^(pytest|ruff|mypy|mypy_extensions|iniconfig|pluggy|pygments|pathspec|librt|ast_serialize|check-jsonschema|kubernetes-validate|ruamel\.yaml|regress)==' \
        requirements.lock >/tmp/runtime.lock \
    && pip install -r /tmp/runtime.lock \
    && rm /tmp/runtime.lock

COPY pyproject.toml ./
COPY kit/ kit/
COPY schemas/ schemas/
COPY services/ services/
COPY gateway/ gateway/
COPY infra/__init__.py infra/
COPY infra/overview_stub/ infra/overview_stub/
COPY infra/seed/ infra/seed/
RUN pip install --no-deps . \
    && pip check \
    && rm -rf build ./*.egg-info \
    && python -m compileall -q kit schemas services gateway infra \
    && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin selvbetjening \
    && install -d -o selvbetjening -g selvbetjening "$SB_VAR_DIR"

USER selvbetjening

# 8000: web apps and the gateway (gunicorn); 8001: a worker's /healthz, /readyz, /metrics
# (kit.worker binds it to 127.0.0.1, so only the container's own healthcheck reaches it).
EXPOSE 8000

# No default process: docker-compose.yml sets the command for each container.
CMD ["python", "-c", "raise SystemExit('choose a process, e.g. python -m kit.worker applications; see docker-compose.yml')"]
