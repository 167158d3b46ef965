# Akhbar on the official Apache Airflow image: the DAGs plus the pipeline package, installed
# from the same lock file as the development environment (CPU build of PyTorch).
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}

ARG AIRFLOW_VERSION
# camel-tools needs torch; the CPU wheels come from PyTorch's own index.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

ENV AKHBAR_HOME=/opt/airflow/akhbar \
    PIP_NO_CACHE_DIR=1

COPY --chown=airflow:0 requirements.lock /opt/akhbar/requirements.lock
# Pinning apache-airflow alongside the lock keeps pip from moving the image's Airflow.
RUN pip install --extra-index-url "${TORCH_INDEX}" \
        "apache-airflow==${AIRFLOW_VERSION}" -r /opt/akhbar/requirements.lock

COPY --chown=airflow:0 pyproject.toml README.md /opt/akhbar/
COPY --chown=airflow:0 pipeline /opt/akhbar/pipeline
COPY --chown=airflow:0 sql /opt/akhbar/sql
# Editable, so the package finds its sql/ migrations beside it; bytecode compiled up front.
RUN pip install --no-deps -e /opt/akhbar \
    && python -m compileall -q /opt/akhbar/pipeline

COPY --chown=airflow:0 dags /opt/airflow/dags
# Owned by the airflow user so the named volumes mounted here start writable.
RUN mkdir -p /opt/airflow/secrets /opt/airflow/akhbar \
    && chmod g+rwx /opt/airflow/secrets /opt/airflow/akhbar
