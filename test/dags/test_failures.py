"""What the export and import do when something goes wrong: paused states come back, nothing half-written."""
import json
import logging
import traceback

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from conftest import SECRETS, insert, make_engine, paused_states, rows, seed_target, t
from patterns_cdk import metadata_backup as mb


class FailingStorage(mb.LocalDirectoryStorage):
    def __init__(self, root, fail_on):
        super().__init__(root)
        self.fail_on = fail_on

    def put_file(self, path, local_path):
        if path == self.fail_on:
            raise OSError("S3 PutObject: connection reset")
        super().put_file(path, local_path)

    def put_bytes(self, path, data):
        if path == self.fail_on:
            raise OSError("S3 PutObject: connection reset")
        super().put_bytes(path, data)


@pytest.mark.parametrize("fail_on", ["metadata/xcom.jsonl", "secrets/variable.jsonl", "manifest.json"])
def test_failed_export_restores_paused_states_and_writes_no_manifest(source, fernet_a, backup_dir, fail_on):
    before = paused_states(source)
    with pytest.raises(OSError, match="connection reset"):
        mb.export_metadata(source, FailingStorage(str(backup_dir), fail_on), fernet_a, airflow_version="2.7.2")
    assert paused_states(source) == before
    assert not (backup_dir / "manifest.json").exists()


def test_export_with_the_wrong_key_fails_clearly_and_restores(source, backup_dir):
    before = paused_states(source)
    with pytest.raises(mb.BackupError) as info:
        mb.export_metadata(source, mb.LocalDirectoryStorage(str(backup_dir)), Fernet(Fernet.generate_key()),
                           airflow_version="2.7.2")
    assert "connection 'aws_default' (extra) cannot be decrypted" in str(info.value)
    assert "InvalidToken" in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert paused_states(source) == before
    assert not (backup_dir / "manifest.json").exists()


def test_export_refuses_airflow_3_before_pausing(source, fernet_a, backup_dir):
    before = paused_states(source)
    with pytest.raises(mb.UnsupportedAirflowVersion, match="Airflow 3"):
        mb.export_metadata(source, mb.LocalDirectoryStorage(str(backup_dir)), fernet_a, airflow_version="3.0.6")
    assert paused_states(source) == before
    assert list(backup_dir.iterdir()) == []


@pytest.mark.parametrize("connections,variables", [(False, False), (False, True), (True, False)])
def test_secrets_turned_off_are_not_written(source, target, fernet_a, fernet_b, backup_dir, connections, variables):
    manifest = mb.export_metadata(source, mb.LocalDirectoryStorage(str(backup_dir)), fernet_a,
                                  airflow_version="2.7.2", export_connections=connections,
                                  export_variables=variables)
    written = {p.name for p in (backup_dir / "secrets").iterdir()} if (backup_dir / "secrets").exists() else set()
    expected = {n for n, on in (("connection.jsonl", connections), ("variable.jsonl", variables)) if on}
    assert written == expected
    assert {f["table"] for f in manifest["files"] if f["secret"]} == {n.split(".")[0] for n in expected}
    assert mb.check_manifest(mb.LocalDirectoryStorage(str(backup_dir))) == []
    mb.import_metadata(target, mb.LocalDirectoryStorage(str(backup_dir)), fernet_b, wait_for_dags_seconds=0)
    conn_ids = {r["conn_id"] for r in rows(target, "connection")}
    assert conn_ids == ({"aws_default", "warehouse_db", "public_http"} if connections else {"aws_default"})
    assert bool(rows(target, "variable")) == variables


def exported(source, fernet_a, backup_dir):
    mb.export_metadata(source, mb.LocalDirectoryStorage(str(backup_dir)), fernet_a, airflow_version="2.7.2")
    return mb.LocalDirectoryStorage(str(backup_dir))


def test_import_refuses_a_target_with_dag_runs(source, target, fernet_a, fernet_b, backup_dir):
    storage = exported(source, fernet_a, backup_dir)
    insert(target, "dag_run", [{"dag_id": "etl_daily", "run_id": "scheduled__2026-12-06T00:00:00+00:00",
                                "state": "running", "run_type": "scheduled", "execution_date": t(6)}])
    before = paused_states(target)
    runs_before = rows(target, "dag_run")
    with pytest.raises(mb.TargetNotEmpty, match="already has 1 DAG run"):
        mb.import_metadata(target, storage, fernet_b, wait_for_dags_seconds=0)
    assert paused_states(target) == before  # brand_new was paused for the copy and is active again
    assert rows(target, "dag_run") == runs_before
    assert [r["pool"] for r in rows(target, "slot_pool")] == ["default_pool"]
    assert rows(target, "slot_pool")[0]["slots"] == 128


def test_runs_of_our_own_dags_do_not_make_the_target_non_empty(source, target, fernet_a, fernet_b, backup_dir):
    storage = exported(source, fernet_a, backup_dir)
    insert(target, "dag_run", [{"dag_id": "pcdk_export", "run_id": "x", "state": "success", "run_type": "manual",
                                "execution_date": t(6, 1)}])
    mb.import_metadata(target, storage, fernet_b, wait_for_dags_seconds=0)


def test_target_column_the_backup_cannot_fill_is_reported(tmp_path, source, keys, fernet_a, fernet_b, backup_dir):
    storage = exported(source, fernet_a, backup_dir)
    future_column = lambda ddl: ddl.replace(  # noqa: E731  a column a later Airflow might add, NOT NULL, no default
        "\tduration INTEGER,\n\tCONSTRAINT task_fail_pkey", "\tduration INTEGER,\n\tattempt_uuid VARCHAR(36) NOT NULL,\n\tCONSTRAINT task_fail_pkey")
    target = make_engine(tmp_path / "strict.db", "2.10", edit=future_column)
    seed_target(target, keys["B"])
    before = paused_states(target)
    with pytest.raises(mb.BackupError, match=r"task_fail: column\(s\) attempt_uuid are NOT NULL without a default"):
        mb.import_metadata(target, storage, fernet_b, wait_for_dags_seconds=0)
    assert paused_states(target) == before
    assert [r["dag_id"] for r in rows(target, "dag_run")] == ["pcdk_import"]


def test_import_failing_midway_rolls_back_and_re_activates(target, source, fernet_a, fernet_b, backup_dir):
    storage = exported(source, fernet_a, backup_dir)
    with target.begin() as conn:  # dag_run, task_instance and task_fail go in before xcom fails
        conn.execute(sa.text("CREATE TRIGGER xcom_fails BEFORE INSERT ON xcom "
                             "BEGIN SELECT RAISE(ABORT, 'disk full'); END"))
    before = paused_states(target)
    with pytest.raises(mb.BackupError, match=r"table xcom: the database refused the rows \(IntegrityError: disk full\)"):
        mb.import_metadata(target, storage, fernet_b, wait_for_dags_seconds=0)
    assert paused_states(target) == before
    assert [r["dag_id"] for r in rows(target, "dag_run")] == ["pcdk_import"]
    assert len(rows(target, "task_instance")) == 1 and rows(target, "task_fail") == []
    assert [r["pool"] for r in rows(target, "slot_pool")] == ["default_pool"]


def test_database_error_on_secrets_carries_no_values(tmp_path, source, keys, fernet_a, backup_dir):
    storage = exported(source, fernet_a, backup_dir)
    target = make_engine(tmp_path / "b.db", "2.10")
    seed_target(target, keys["B"])
    with target.begin() as conn:
        conn.execute(sa.text("CREATE TRIGGER no_new_connections BEFORE INSERT ON connection "
                             "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"))

    class Plain:  # a Fernet that leaves values as they are (Airflow's NullFernet): plaintext would reach the insert
        is_encrypted = False

        def encrypt(self, data):
            return data

    before = paused_states(target)
    with pytest.raises(mb.BackupError) as info:
        mb.import_metadata(target, storage, Plain(), wait_for_dags_seconds=0)
    rendered = "".join(traceback.format_exception(type(info.value), info.value, info.value.__traceback__))
    assert "table connection: the database refused the rows (IntegrityError)" in rendered
    for secret in SECRETS.values():
        assert secret not in rendered
    assert "parameters" not in rendered
    assert paused_states(target) == before
    assert len(rows(target, "dag_run")) == 1


def test_import_refuses_a_backup_from_airflow_3(source, target, fernet_a, fernet_b, backup_dir):
    storage = exported(source, fernet_a, backup_dir)
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    manifest["airflowVersion"] = "3.0.6"
    (backup_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(mb.UnsupportedAirflowVersion):
        mb.import_metadata(target, storage, fernet_b, wait_for_dags_seconds=0)
    assert len(rows(target, "dag_run")) == 1


def test_import_refuses_to_run_on_airflow_3(source, target, fernet_a, fernet_b, backup_dir):
    storage = exported(source, fernet_a, backup_dir)
    with pytest.raises(mb.UnsupportedAirflowVersion, match="Airflow 3"):
        mb.import_metadata(target, storage, fernet_b, airflow_version="3.1.0")


def test_failed_paused_state_restore_is_logged_not_masking(source, fernet_a, backup_dir, caplog, monkeypatch):
    """When the export fails and re-activating fails too, the export's error is the one raised."""
    calls = []
    real = mb.set_paused

    def flaky(engine, ids, paused):
        calls.append(paused)
        if paused is False:
            raise RuntimeError("database went away")
        return real(engine, ids, paused)

    monkeypatch.setattr(mb, "set_paused", flaky)
    with caplog.at_level(logging.ERROR), pytest.raises(OSError, match="connection reset"):
        mb.export_metadata(source, FailingStorage(str(backup_dir), "metadata/log.jsonl"), fernet_a,
                           airflow_version="2.7.2")
    assert calls == [True, False]
    assert "could not re-activate the 2 DAG(s)" in caplog.text
