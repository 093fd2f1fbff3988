"""DAG pcdk_export: writes this environment's Airflow metadata to the Patterns.Cdk backup bucket.

Triggered by the MwaaScheduler pause workflow with dag_run.conf
  {"bucket": ..., "prefix": "backups/<env>/<backupId>/", "kmsKeyArn": ..., "exportConnections": true,
   "exportVariables": true}
Every object is written with SSE-KMS under kmsKeyArn; the manifest is written last. All DAGs but pcdk_* are paused
during the copy and get their paused state back afterwards, also when the export fails. The logic is in
patterns_cdk.metadata_backup; this file only wires Airflow to it.
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

DAG_ID = "pcdk_export"
logger = logging.getLogger("patterns_cdk.pcdk_export")


def export_metadata(dag_run=None, **_):
    """Runs in the worker: reads dag_run.conf, exports, returns counts only (the return value becomes an XCom)."""
    from airflow import settings
    from airflow.models.crypto import get_fernet
    from airflow.version import version as airflow_version
    import boto3

    conf = metadata_backup.parse_export_conf(dag_run.conf if dag_run is not None else None)
    storage = metadata_backup.S3Storage(boto3.client("s3"), conf["bucket"], conf["prefix"], conf["kmsKeyArn"])
    manifest = metadata_backup.export_metadata(
        settings.engine, storage, get_fernet(), airflow_version=airflow_version,
        export_connections=conf["exportConnections"], export_variables=conf["exportVariables"], logger=logger)
    return {"files": len(manifest["files"]), "dagCount": manifest["dagCount"],
            "rows": sum(f["rows"] for f in manifest["files"])}


with DAG(
    dag_id=DAG_ID,
    description="Patterns.Cdk MwaaScheduler: export the Airflow metadata before the environment is paused",
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    tags=["patterns-cdk"],
    default_args={"owner": "patterns-cdk", "retries": 1, "retry_delay": timedelta(seconds=30)},
    doc_md=__doc__,
) as dag:
    PythonOperator(
        task_id="export_metadata",
        python_callable=export_metadata,
        execution_timeout=timedelta(minutes=55),
    )
