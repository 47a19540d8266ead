-- One database per service, owned by the application user (docker-compose.yml mounts this into
-- /docker-entrypoint-initdb.d/). The postgres image runs it once, when the data volume is new;
-- to re-run it: `docker compose down -v`. Same list as PG_DATABASES in infra/postgres.sh.
-- POSTGRES_USER=selvbetjening already exists (and owns the default "selvbetjening" database).
CREATE DATABASE applications OWNER selvbetjening;
CREATE DATABASE consents OWNER selvbetjening;
CREATE DATABASE appointments OWNER selvbetjening;
CREATE DATABASE notifications OWNER selvbetjening;
CREATE DATABASE gateway OWNER selvbetjening;
CREATE DATABASE overview OWNER selvbetjening;
CREATE DATABASE insight OWNER selvbetjening;
