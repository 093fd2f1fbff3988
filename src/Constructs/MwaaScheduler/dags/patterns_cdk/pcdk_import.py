"""DAG pcdk_import: restores the Airflow metadata of a Patterns.Cdk backup into this (new) environment.

Triggered by the MwaaScheduler resume workflow with dag_run.conf {"bucket": ..., "prefix": "backups/<env>/<id>/"}.
Refuses a backup that does not match its manifest and a target that already has DAG runs; re-encrypts connections
and variables with this environment's Fernet key; restores each DAG's paused state once the scheduler has parsed
it. The logic is in patterns_cdk.metadata_backup; this file only wires Airflow to it.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from airflow import DAG

try:
    from airflow.operators.python import PythonOperator
except ImportError:  # newer Airflow moved it to the standard provider
    from airflow.providers.standard.operators.python import PythonOperator

from patterns_cdk import metadata_backup

DAG_ID = "pcdk_import"
logger = logging.getLogger("patterns_cdk.pcdk_import")
# How long the import waits for the scheduler to parse the backup's DAGs before it restores their paused state.
WAIT_FOR_DAGS_SECONDS = 900


def import_metadata(dag_run=None, **_):
    """Runs in the worker: reads dag_run.conf, imports, returns counts only (the return value becomes an XCom)."""
    from airflow import settings
    from airflow.models.crypto import get_fernet
    from airflow.version import version as airflow_version
    import boto3

    conf = metadata_backup.parse_import_conf(dag_run.conf if dag_run is not None else None)
    storage = metadata_backup.S3Storage(boto3.client("s3"), conf["bucket"], conf["prefix"])
    summary = metadata_backup.import_metadata(
        settings.engine, storage, get_fernet(), airflow_version=airflow_version, logger=logger,
        wait_for_dags_seconds=WAIT_FOR_DAGS_SECONDS)
    return {"tables": summary["tables"], "restored": summary["pausedStates"]["restored"],
            "missingDags": len(summary["pausedStates"]["missing"])}


with DAG(
    dag_id=DAG_ID,
    description="Patterns.Cdk MwaaScheduler: restore the Airflow metadata after the environment is resumed",
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    tags=["patterns-cdk"],
    # No retry: a second attempt after a committed import would find DAG runs and refuse.
    default_args={"owner": "patterns-cdk", "retries": 0},
    doc_md=__doc__,
) as dag:
    PythonOperator(
        task_id="import_metadata",
        python_callable=import_metadata,
        execution_timeout=timedelta(minutes=55),
    )
