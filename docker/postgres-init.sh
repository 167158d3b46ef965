#!/usr/bin/env bash
# First start of the postgres container: the Airflow metadata database and the Akhbar
# warehouse, as separate databases with their own owners. The warehouse is UTF-8 with the
# C.UTF-8 ctype: with another ctype pg_trgm and full-text search silently fail on Arabic.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v airflow_pw="$AIRFLOW_DB_PASSWORD" -v akhbar_pw="$AKHBAR_DB_PASSWORD" <<'SQL'
CREATE ROLE airflow LOGIN PASSWORD :'airflow_pw';
CREATE DATABASE airflow OWNER airflow ENCODING 'UTF8';
CREATE ROLE akhbar LOGIN CREATEROLE PASSWORD :'akhbar_pw';
CREATE DATABASE akhbar OWNER akhbar ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'
    TEMPLATE template0;
SQL
