"""Fixtures of the DAG logic tests: SQLite databases with the Airflow 2.7 / 2.10 metadata tables (schema/*.sql),
Fernet keys, a source environment with history and secrets, a fresh target environment."""
import datetime as dt
import os
import pickle
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the deployed DAG folder

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet, MultiFernet

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DAGS = os.path.join(ROOT, "src", "Constructs", "MwaaScheduler", "dags")
sys.path.insert(0, DAGS)

# Plaintexts the tests look for in files, databases and logs.
SECRETS = {
    "conn_password": "pw-0f3c9a-never-logged",
    "conn_extra": '{"token": "tok-7b21e4-never-logged"}',
    "var_value": "var-5d88aa-never-logged",
    "var_json": '{"nested": "json-91c0de-never-logged"}',
}


def make_engine(path, schema, future=True, edit=None):
    engine = sa.create_engine(f"sqlite:///{path}", future=future)

    @sa.event.listens_for(engine, "connect")
    def _fk_on(dbapi_conn, _record):  # SQLite checks foreign keys only when asked; Postgres always does
        dbapi_conn.execute("PRAGMA foreign_keys=ON")
        dbapi_conn.execute("PRAGMA synchronous=OFF")  # test databases: no fsync per commit

    with open(os.path.join(HERE, "schema", f"airflow-{schema}.sql")) as f:
        ddl = f.read()
    if edit:
        ddl = edit(ddl)
    raw = engine.raw_connection()
    try:
        raw.executescript(ddl)
        raw.commit()
    finally:
        raw.close()
    return engine


def t(day, hour=0, minute=0, second=0, micro=0):
    return dt.datetime(2026, 12, day, hour, minute, second, micro)


def insert(engine, table, rows):
    md = sa.MetaData()
    tbl = sa.Table(table, md, autoload_with=engine)
    with engine.begin() as conn:
        for row in rows:
            conn.execute(tbl.insert().values(**row))


def dag_row(dag_id, paused, active=True, **extra):
    row = {"dag_id": dag_id, "is_paused": paused, "is_active": active, "is_subdag": False,
           "max_active_tasks": 16, "max_active_runs": 16, "has_task_concurrency_limits": False,
           "fileloc": f"/usr/local/airflow/dags/{dag_id}.py", "schedule_interval": '"@daily"'}
    row.update(extra)
    return row


def ti_row(dag_id, run_id, task_id, state, map_index=-1, **extra):
    row = {"dag_id": dag_id, "run_id": run_id, "task_id": task_id, "map_index": map_index, "state": state,
           "start_date": t(4, 1, 0, 1, 123456), "end_date": t(4, 1, 0, 9, 654321), "duration": 8.530865,
           "try_number": 1, "max_tries": 2, "hostname": "ip-10-0-1-23.ec2.internal", "unixname": "airflow",
           "pool": "default_pool", "pool_slots": 1, "queue": "airflow-celery-queue", "priority_weight": 3,
           "operator": "PythonOperator", "custom_operator_name": "@task",
           "executor_config": pickle.dumps({}), "updated_at": t(4, 1, 0, 10)}
    row.update(extra)
    return row


def seed_source(engine, key):
    """An Airflow 2.7 environment with finished and running history, pools, and encrypted secrets."""
    f = Fernet(key)
    enc = lambda s: f.encrypt(s.encode()).decode()  # noqa: E731
    insert(engine, "log_template", [
        {"id": 1, "filename": "{{ ti.dag_id }}/{{ ti.task_id }}/{{ ts }}/{{ try_number }}.log",
         "elasticsearch_id": "{dag_id}-{task_id}-{execution_date}-{try_number}", "created_at": t(1)},
        {"id": 2, "filename": "dag_id={{ ti.dag_id }}/run_id={{ ti.run_id }}/task_id={{ ti.task_id }}/attempt={{ try_number }}.log",
         "elasticsearch_id": "{dag_id}-{task_id}-{run_id}-{map_index}-{try_number}", "created_at": t(1)},
    ])
    insert(engine, "dag", [
        dag_row("etl_daily", False), dag_row("reports", True), dag_row("ml_train", False),
        dag_row("retired", False, active=False), dag_row("pcdk_export", False), dag_row("pcdk_import", False),
        dag_row("pcdkX_lookalike", True),  # "_" is no wildcard: this one is the user's
    ])
    insert(engine, "trigger", [{"id": 7, "classpath": "airflow.triggers.temporal.DateTimeTrigger",
                                "kwargs": {"moment": "2026-12-04T01:00:00+00:00"}, "created_date": t(4, 1)}])
    runs = [
        (101, "etl_daily", "scheduled__2026-12-03T00:00:00+00:00", "success", "scheduled", t(3)),
        (102, "etl_daily", "manual__2026-12-04T08:15:00+00:00", "failed", "manual", t(4, 8, 15)),
        (103, "reports", "scheduled__2026-12-03T00:00:00+00:00", "success", "scheduled", t(3)),
        (104, "pcdkX_lookalike", "manual__2026-12-04T09:00:00+00:00", "success", "manual", t(4, 9)),
        (105, "ml_train", "scheduled__2026-12-04T00:00:00+00:00", "running", "scheduled", t(4)),
        (106, "pcdk_export", "pcdk-20261205T200000Z", "running", "manual", t(5, 20)),
    ]
    insert(engine, "dag_run", [
        {"id": i, "dag_id": d, "run_id": r, "state": s, "run_type": rt, "execution_date": ed, "queued_at": ed,
         "start_date": ed + dt.timedelta(seconds=5), "end_date": None if s == "running" else ed + dt.timedelta(minutes=9),
         "external_trigger": rt == "manual", "conf": pickle.dumps({"run": r}), "data_interval_start": ed,
         "data_interval_end": ed + dt.timedelta(days=1), "last_scheduling_decision": ed + dt.timedelta(minutes=9),
         "dag_hash": "0123456789abcdef0123456789abcdef", "log_template_id": 2, "updated_at": ed,
         "creating_job_id": 42}
        for i, d, r, s, rt, ed in runs])
    r1, r2, r3, r4, r5, r6 = (r[2] for r in runs)
    insert(engine, "task_instance", [
        ti_row("etl_daily", r1, "extract", "success", next_kwargs={"event": {"moment": "x"}}, trigger_id=7,
               next_method="execute_complete"),
        ti_row("etl_daily", r1, "transform", "success", map_index=0),
        ti_row("etl_daily", r1, "transform", "success", map_index=1),
        ti_row("etl_daily", r2, "extract", "failed"),
        ti_row("etl_daily", r2, "transform", "upstream_failed"),
        ti_row("etl_daily", r2, "load", None, start_date=None, end_date=None, duration=None),
        ti_row("reports", r3, "render", "skipped"),
        ti_row("pcdkX_lookalike", r4, "noop", "success"),
        ti_row("ml_train", r5, "fit", "running"),
        ti_row("ml_train", r5, "prepare", "success"),
        ti_row("pcdk_export", r6, "export_metadata", "running"),
    ])
    insert(engine, "task_fail", [
        {"id": 31, "dag_id": "etl_daily", "run_id": r2, "task_id": "extract", "map_index": -1,
         "start_date": t(4, 8, 16), "end_date": t(4, 8, 17), "duration": 60},
    ])
    insert(engine, "xcom", [
        {"dag_run_id": 101, "dag_id": "etl_daily", "run_id": r1, "task_id": "extract", "map_index": -1,
         "key": "return_value", "value": b'{"rows": 1042}', "timestamp": t(3, 0, 1)},
        {"dag_run_id": 101, "dag_id": "etl_daily", "run_id": r1, "task_id": "transform", "map_index": 1,
         "key": "return_value", "value": bytes(range(256)), "timestamp": t(3, 0, 2)},
        {"dag_run_id": 102, "dag_id": "etl_daily", "run_id": r2, "task_id": "extract", "map_index": -1,
         "key": "error_detail", "value": None, "timestamp": t(4, 8, 17)},
        {"dag_run_id": 105, "dag_id": "ml_train", "run_id": r5, "task_id": "prepare", "map_index": -1,
         "key": "return_value", "value": b"\x80\x04K\x01.", "timestamp": t(4, 0, 3)},
    ])
    insert(engine, "log", [
        {"id": 1, "dttm": t(1, 9), "event": "cli_scheduler", "owner": "airflow", "extra": '{"host_name": "x"}'},
        {"id": 2, "dttm": t(3, 0, 1), "dag_id": "etl_daily", "task_id": "extract", "map_index": -1,
         "event": "success", "execution_date": t(3), "owner": "airflow"},
        {"id": 3, "dttm": t(4, 8, 17), "dag_id": "etl_daily", "task_id": "extract", "event": "failed",
         "execution_date": t(4, 8, 15), "owner": "airflow"},
        {"id": 4, "dttm": t(5, 20), "dag_id": "pcdk_export", "event": "trigger", "owner": "airflow"},
    ])
    insert(engine, "slot_pool", [
        {"id": 1, "pool": "default_pool", "slots": 64, "description": "Default pool", "include_deferred": False},
        {"id": 2, "pool": "warehouse", "slots": 4, "description": "Redshift", "include_deferred": True},
    ])
    insert(engine, "connection", [
        {"id": 1, "conn_id": "warehouse_db", "conn_type": "postgres", "host": "db.internal", "schema": "dw",
         "login": "etl", "password": enc(SECRETS["conn_password"]), "port": 5432, "is_encrypted": True,
         "is_extra_encrypted": True, "extra": enc(SECRETS["conn_extra"]), "description": "the warehouse"},
        {"id": 2, "conn_id": "public_http", "conn_type": "http", "host": "https://example.org",
         "password": None, "is_encrypted": False, "is_extra_encrypted": False, "extra": None},
        {"id": 3, "conn_id": "aws_default", "conn_type": "aws", "password": None, "is_encrypted": False,
         "is_extra_encrypted": True, "extra": enc('{"region_name": "eu-west-1"}')},
    ])
    insert(engine, "variable", [
        {"id": 1, "key": "api_key", "val": enc(SECRETS["var_value"]), "is_encrypted": True,
         "description": "partner API"},
        {"id": 2, "key": "settings", "val": enc(SECRETS["var_json"]), "is_encrypted": True},
        {"id": 3, "key": "plain", "val": "hello", "is_encrypted": False},
    ])


def seed_target(engine, key, with_dags=("etl_daily", "reports", "ml_train", "pcdkX_lookalike")):
    """A freshly created Airflow 2.10 environment: DAGs parsed (created paused), the import DAG running."""
    f = Fernet(key)
    insert(engine, "log_template", [
        {"id": 1, "filename": "dag_id={{ ti.dag_id }}/run_id={{ ti.run_id }}/task_id={{ ti.task_id }}/attempt={{ try_number }}.log",
         "elasticsearch_id": "{dag_id}-{task_id}-{run_id}-{map_index}-{try_number}", "created_at": t(6)}])
    # A trigger of the new environment whose id happens to equal one the backup's task instances name.
    insert(engine, "trigger", [{"id": 7, "classpath": "airflow.triggers.temporal.TimeDeltaTrigger",
                                "kwargs": "gAAAAA-encrypted-kwargs", "created_date": t(6, 7)}])
    extra = {"max_consecutive_failed_dag_runs": 0}
    insert(engine, "dag", [dag_row(d, True, **extra) for d in with_dags]
           + [dag_row("brand_new", False, **extra), dag_row("pcdk_export", False, **extra),
              dag_row("pcdk_import", False, **extra)])
    insert(engine, "dag_run", [{"id": 1, "dag_id": "pcdk_import", "run_id": "pcdk-i-20261205T200000Z",
                                "state": "running", "run_type": "manual", "execution_date": t(6, 7),
                                "external_trigger": True, "log_template_id": 1}])
    insert(engine, "task_instance", [ti_row("pcdk_import", "pcdk-i-20261205T200000Z", "import_metadata", "running",
                                            executor="CeleryExecutor")])
    insert(engine, "log", [{"id": 1, "dttm": t(6, 7), "event": "cli_scheduler", "owner": "airflow"}])
    insert(engine, "slot_pool", [{"id": 1, "pool": "default_pool", "slots": 128, "description": "Default pool",
                                  "include_deferred": False}])
    insert(engine, "connection", [{"id": 1, "conn_id": "aws_default", "conn_type": "aws", "is_encrypted": False,
                                   "is_extra_encrypted": True, "extra": f.encrypt(b'{"region_name": "us-east-1"}').decode()}])


def paused_states(engine):
    with engine.connect() as conn:
        return {r.dag_id: bool(r.is_paused) for r in conn.execute(sa.text("SELECT dag_id, is_paused FROM dag"))}


def rows(engine, table, order=None):
    md = sa.MetaData()
    tbl = sa.Table(table, md, autoload_with=engine)
    query = sa.select(tbl)
    if order:
        query = query.order_by(*[tbl.c[c] for c in order])
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


@pytest.fixture
def keys():
    return {"A": Fernet.generate_key(), "B": Fernet.generate_key()}


@pytest.fixture
def source(tmp_path, keys):
    engine = make_engine(tmp_path / "a.db", "2.7")
    seed_source(engine, keys["A"])
    return engine


@pytest.fixture
def target(tmp_path, keys):
    engine = make_engine(tmp_path / "b.db", "2.10")
    seed_target(engine, keys["B"])
    return engine


@pytest.fixture
def fernet_a(keys):
    return MultiFernet([Fernet(keys["A"])])


@pytest.fixture
def fernet_b(keys):
    return MultiFernet([Fernet(keys["B"])])


@pytest.fixture
def backup_dir(tmp_path):
    path = tmp_path / "backup"
    path.mkdir()
    return path
