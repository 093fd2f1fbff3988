"""Export from an Airflow 2.7 database with key A, import into a fresh 2.10 database with key B."""
import json
import logging

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken

from conftest import SECRETS, make_engine, paused_states, rows, seed_source, seed_target
from patterns_cdk import metadata_backup as mb

EXPORTED_RUNS = {("etl_daily", "scheduled__2026-12-03T00:00:00+00:00"), ("etl_daily", "manual__2026-12-04T08:15:00+00:00"),
                 ("reports", "scheduled__2026-12-03T00:00:00+00:00"), ("pcdkX_lookalike", "manual__2026-12-04T09:00:00+00:00")}


def export(source, fernet_a, backup_dir, **kwargs):
    return mb.export_metadata(source, mb.LocalDirectoryStorage(str(backup_dir)), fernet_a, airflow_version="2.7.2",
                              **kwargs)


def import_(target, fernet_b, backup_dir, **kwargs):
    kwargs.setdefault("wait_for_dags_seconds", 0)
    return mb.import_metadata(target, mb.LocalDirectoryStorage(str(backup_dir)), fernet_b, **kwargs)


def without(row, *columns):
    return {k: v for k, v in row.items() if k not in columns}


def shared(row, columns):
    return {k: row[k] for k in columns}


@pytest.fixture
def restored(source, target, fernet_a, fernet_b, backup_dir):
    manifest = export(source, fernet_a, backup_dir)
    summary = import_(target, fernet_b, backup_dir, airflow_version="2.10.3")
    return manifest, summary


def test_manifest_lists_every_file_last_and_counts_rows(restored, backup_dir):
    manifest, _ = restored
    on_disk = json.loads((backup_dir / "manifest.json").read_text())
    assert on_disk == manifest
    assert manifest["format"] == "patterns-cdk-mwaa-backup/1"
    assert manifest["airflowVersion"] == "2.7.2"
    assert manifest["createdAt"].endswith("Z") and len(manifest["createdAt"]) == 20
    by_table = {f["table"]: f for f in manifest["files"]}
    assert [f["path"] for f in manifest["files"]] == [
        "metadata/slot_pool.jsonl", "metadata/dag_state.jsonl", "metadata/dag_run.jsonl",
        "metadata/task_instance.jsonl", "metadata/task_fail.jsonl", "metadata/xcom.jsonl", "metadata/log.jsonl",
        "secrets/connection.jsonl", "secrets/variable.jsonl"]
    rows_expected = {"slot_pool": 2, "dag_state": 4, "dag_run": 4, "task_instance": 8, "task_fail": 1, "xcom": 3,
                     "log": 4, "connection": 3, "variable": 3}
    assert {t: f["rows"] for t, f in by_table.items()} == rows_expected
    assert manifest["dagCount"] == 4
    assert [f["secret"] for f in manifest["files"]] == [False] * 7 + [True] * 2
    assert by_table["dag_state"]["columns"] == ["dag_id", "is_paused"]
    assert "custom_operator_name" in by_table["task_instance"]["columns"]
    assert "executor" not in by_table["task_instance"]["columns"]  # a 2.7 source
    assert mb.check_manifest(mb.LocalDirectoryStorage(str(backup_dir))) == []


def test_jsonl_encodes_bytes_datetimes_and_json(restored, backup_dir):
    lines = (backup_dir / "metadata" / "dag_run.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    assert first["execution_date"] == "2026-12-03T00:00:00.000000Z"
    assert set(first["conf"]) == {"$hex"} and bytes.fromhex(first["conf"]["$hex"]).startswith(b"\x80")
    ti = [json.loads(line) for line in (backup_dir / "metadata" / "task_instance.jsonl").read_text().splitlines()]
    assert next(r for r in ti if r["task_id"] == "extract" and r["state"] == "success")["next_kwargs"] == {
        "event": {"moment": "x"}}
    assert all(line.endswith("\n") for line in (backup_dir / "metadata" / "xcom.jsonl").read_text().splitlines(True))


def test_dag_state_holds_the_states_before_the_pause(restored, backup_dir):
    states = [json.loads(line) for line in (backup_dir / "metadata" / "dag_state.jsonl").read_text().splitlines()]
    assert states == [{"dag_id": "etl_daily", "is_paused": False}, {"dag_id": "ml_train", "is_paused": False},
                      {"dag_id": "pcdkX_lookalike", "is_paused": True}, {"dag_id": "reports", "is_paused": True}]


def test_only_finished_runs_of_user_dags_are_exported_and_restored(restored, source, target):
    in_b = {(r["dag_id"], r["run_id"]) for r in rows(target, "dag_run") if not r["dag_id"].startswith("pcdk_")}
    assert in_b == EXPORTED_RUNS


def test_rows_equal_on_shared_columns(restored, source, target):
    a_cols = {t: [c["name"] for c in sa.inspect(source).get_columns(t)] for t in ("dag_run", "task_instance", "xcom", "task_fail", "log")}
    b_cols = {t: [c["name"] for c in sa.inspect(target).get_columns(t)] for t in a_cols}
    for table in a_cols:
        assert set(a_cols[table]) <= set(b_cols[table]), table  # 2.10 only adds columns to these tables

    def key_runs(r):
        return (r["dag_id"], r["run_id"]) in EXPORTED_RUNS

    # dag_run: new ids, the target's newest log template, clear_number from the 2.10 server default
    a_runs = [r for r in rows(source, "dag_run", ["dag_id", "run_id"]) if key_runs(r)]
    b_runs = [r for r in rows(target, "dag_run", ["dag_id", "run_id"]) if key_runs(r)]
    assert [without(shared(r, a_cols["dag_run"]), "id", "log_template_id") for r in a_runs] == \
           [without(shared(r, a_cols["dag_run"]), "id", "log_template_id") for r in b_runs]
    assert {r["log_template_id"] for r in b_runs} == {1}
    assert {r["clear_number"] for r in b_runs} == {0}

    # task_instance: all shared columns equal except trigger_id (the trigger table is not carried over)
    a_tis = [r for r in rows(source, "task_instance", ["dag_id", "run_id", "task_id", "map_index"]) if key_runs(r)]
    b_tis = [r for r in rows(target, "task_instance", ["dag_id", "run_id", "task_id", "map_index"]) if key_runs(r)]
    assert [without(shared(r, a_cols["task_instance"]), "trigger_id") for r in a_tis] == \
           [without(shared(r, a_cols["task_instance"]), "trigger_id") for r in b_tis]
    assert any(r["trigger_id"] == 7 for r in a_tis) and all(r["trigger_id"] is None for r in b_tis)
    assert all(r["executor"] is None for r in b_tis)

    a_fail = rows(source, "task_fail", ["dag_id", "run_id", "task_id"])
    b_fail = rows(target, "task_fail", ["dag_id", "run_id", "task_id"])
    assert [without(r, "id") for r in a_fail] == [without(shared(r, a_cols["task_fail"]), "id") for r in b_fail]

    a_logs = [without(r, "id") for r in rows(source, "log", ["id"]) if not (r["dag_id"] or "").startswith("pcdk_")]
    b_logs = [without(shared(r, a_cols["log"]), "id") for r in rows(target, "log", ["id"])]
    for row in a_logs:
        assert row in b_logs


def test_xcom_dag_run_ids_are_remapped(restored, source, target):
    b_ids = {(r["dag_id"], r["run_id"]): r["id"] for r in rows(target, "dag_run")}
    a_ids = {(r["dag_id"], r["run_id"]): r["id"] for r in rows(source, "dag_run")}
    b_xcom = rows(target, "xcom", ["dag_id", "run_id", "task_id", "map_index", "key"])
    a_xcom = [r for r in rows(source, "xcom", ["dag_id", "run_id", "task_id", "map_index", "key"])
              if (r["dag_id"], r["run_id"]) in EXPORTED_RUNS]
    assert len(b_xcom) == 3
    assert [without(r, "dag_run_id") for r in a_xcom] == [without(r, "dag_run_id") for r in b_xcom]
    for row in b_xcom:
        assert row["dag_run_id"] == b_ids[(row["dag_id"], row["run_id"])]
        assert row["dag_run_id"] != a_ids[(row["dag_id"], row["run_id"])]  # the target numbered the runs anew
    assert next(r for r in b_xcom if r["map_index"] == 1)["value"] == bytes(range(256))


def test_pools_are_replaced_by_name(restored, target):
    pools = {r["pool"]: r for r in rows(target, "slot_pool")}
    assert pools["default_pool"]["slots"] == 64 and pools["default_pool"]["id"] == 1
    assert pools["warehouse"]["slots"] == 4 and pools["warehouse"]["include_deferred"] is True


def test_secrets_are_re_encrypted_with_the_new_key(restored, target, keys):
    fernet_a, fernet_b = Fernet(keys["A"]), Fernet(keys["B"])
    conns = {r["conn_id"]: r for r in rows(target, "connection")}
    wh = conns["warehouse_db"]
    assert wh["is_encrypted"] is True and wh["is_extra_encrypted"] is True
    assert fernet_b.decrypt(wh["password"].encode()).decode() == SECRETS["conn_password"]
    assert fernet_b.decrypt(wh["extra"].encode()).decode() == SECRETS["conn_extra"]
    for token in (wh["password"], wh["extra"]):
        with pytest.raises(InvalidToken):
            fernet_a.decrypt(token.encode())
    assert (wh["login"], wh["host"], wh["port"], wh["description"]) == ("etl", "db.internal", 5432, "the warehouse")
    http = conns["public_http"]
    assert (http["password"], http["extra"], http["is_encrypted"], http["is_extra_encrypted"]) == (None, None, False, False)
    aws = conns["aws_default"]  # the fresh environment's default connection, replaced by the backup's
    assert aws["id"] == 1 and aws["is_encrypted"] is False and aws["is_extra_encrypted"] is True
    assert fernet_b.decrypt(aws["extra"].encode()) == b'{"region_name": "eu-west-1"}'

    variables = {r["key"]: r for r in rows(target, "variable")}
    assert fernet_b.decrypt(variables["api_key"]["val"].encode()).decode() == SECRETS["var_value"]
    assert fernet_b.decrypt(variables["settings"]["val"].encode()).decode() == SECRETS["var_json"]
    with pytest.raises(InvalidToken):
        fernet_a.decrypt(variables["api_key"]["val"].encode())
    assert variables["api_key"]["is_encrypted"] is True and variables["api_key"]["description"] == "partner API"
    assert fernet_b.decrypt(variables["plain"]["val"].encode()) == b"hello"
    assert variables["plain"]["is_encrypted"] is True  # the new environment encrypts every value, as Airflow does


def test_secret_files_hold_plaintext_with_flags_off(restored, backup_dir):
    conns = [json.loads(line) for line in (backup_dir / "secrets" / "connection.jsonl").read_text().splitlines()]
    wh = next(c for c in conns if c["conn_id"] == "warehouse_db")
    assert (wh["password"], wh["extra"], wh["is_encrypted"], wh["is_extra_encrypted"]) == (
        SECRETS["conn_password"], SECRETS["conn_extra"], False, False)
    for path in (backup_dir / "metadata").iterdir():
        text = path.read_text()
        assert not any(secret in text for secret in SECRETS.values()), path.name


def test_paused_states_are_restored_in_the_target(restored, target):
    _, summary = restored
    assert paused_states(target) == {
        "etl_daily": False, "reports": True, "ml_train": False, "pcdkX_lookalike": True,
        "brand_new": False,  # paused for the copy, re-activated: not in the backup
        "pcdk_export": False, "pcdk_import": False}
    assert summary["pausedStates"] == {"restored": 4, "reactivated": 1, "missing": []}
    assert summary["tables"]["dag_run"] == {"inserted": 4}
    assert summary["tables"]["connection"] == {"inserted": 2, "updated": 1}


def test_export_leaves_the_source_paused_states_unchanged(source, fernet_a, backup_dir):
    before = paused_states(source)
    assert before["etl_daily"] is False
    export(source, fernet_a, backup_dir)
    assert paused_states(source) == before


def test_export_pauses_every_user_dag_during_the_copy(source, fernet_a, backup_dir):
    seen = {}

    class Watching(mb.LocalDirectoryStorage):
        def put_file(self, path, local_path):
            seen[path] = paused_states(source)
            super().put_file(path, local_path)

    mb.export_metadata(source, Watching(str(backup_dir)), fernet_a, airflow_version="2.7.2")
    during = seen["metadata/dag_run.jsonl"]
    assert during == {"etl_daily": True, "reports": True, "ml_train": True, "pcdkX_lookalike": True,
                      "retired": False, "pcdk_export": False, "pcdk_import": False}


def test_dags_parsed_late_get_their_state_once_they_appear(tmp_path, source, keys, fernet_a, fernet_b, backup_dir):
    target = make_engine(tmp_path / "late.db", "2.10")
    seed_target(target, keys["B"], with_dags=("etl_daily", "reports"))
    export(source, fernet_a, backup_dir)
    clock = {"now": 0.0}
    sleeps = []

    def sleep(seconds):  # the scheduler parses ml_train during the first wait, pcdkX_lookalike never
        sleeps.append(seconds)
        clock["now"] += seconds
        if len(sleeps) == 1:
            with target.begin() as conn:
                conn.execute(sa.text("INSERT INTO dag (dag_id, is_paused, is_active, max_active_tasks, "
                                     "has_task_concurrency_limits, max_consecutive_failed_dag_runs) "
                                     "VALUES ('ml_train', 1, 1, 16, 0, 0)"))

    summary = mb.import_metadata(target, mb.LocalDirectoryStorage(str(backup_dir)), fernet_b,
                                 wait_for_dags_seconds=60, poll_seconds=15, sleep=sleep,
                                 monotonic=lambda: clock["now"])
    assert sleeps == [15, 15, 15, 15]
    assert summary["pausedStates"]["missing"] == ["pcdkX_lookalike"]
    assert paused_states(target)["ml_train"] is False and paused_states(target)["etl_daily"] is False


@pytest.mark.parametrize("future", [True, False])
def test_legacy_and_future_engines(tmp_path, keys, future, fernet_a, fernet_b):
    a = make_engine(tmp_path / "a2.db", "2.7", future=future)
    seed_source(a, keys["A"])
    b = make_engine(tmp_path / "b2.db", "2.10", future=future)
    seed_target(b, keys["B"])
    storage = mb.LocalDirectoryStorage(str(tmp_path / "bk"))
    mb.export_metadata(a, storage, fernet_a, airflow_version="2.7.2")
    summary = mb.import_metadata(b, storage, fernet_b, wait_for_dags_seconds=0)
    assert summary["tables"]["xcom"] == {"inserted": 3}


def test_same_version_round_trip_2_10(tmp_path, keys, fernet_b):
    """2.10 -> 2.10: the columns new in 2.10 travel too."""
    a = make_engine(tmp_path / "a10.db", "2.10")
    seed_source_210(a, keys["A"])
    b = make_engine(tmp_path / "b10.db", "2.10")
    seed_target(b, keys["B"])
    storage = mb.LocalDirectoryStorage(str(tmp_path / "bk10"))
    manifest = mb.export_metadata(a, storage, Fernet(keys["A"]), airflow_version="2.10.3")
    assert "executor" in next(f for f in manifest["files"] if f["table"] == "task_instance")["columns"]
    mb.import_metadata(b, storage, fernet_b, wait_for_dags_seconds=0)
    tis = {r["task_id"]: r for r in rows(b, "task_instance") if r["dag_id"] == "etl_daily"}
    assert tis["extract"]["executor"] == "CeleryExecutor"
    assert tis["extract"]["task_display_name"] == "Extract"
    logs = [r for r in rows(b, "log") if r["dag_id"] == "etl_daily"]
    assert [(r["try_number"], r["run_id"]) for r in logs] == [(2, "manual__1")]


def seed_source_210(engine, key):
    from conftest import dag_row, insert, t, ti_row
    insert(engine, "log_template", [{"id": 1, "filename": "f", "elasticsearch_id": "e", "created_at": t(1)}])
    insert(engine, "dag", [dag_row("etl_daily", False, max_consecutive_failed_dag_runs=0)])
    insert(engine, "dag_run", [{"id": 9, "dag_id": "etl_daily", "run_id": "manual__1", "state": "success",
                                "run_type": "manual", "execution_date": t(2), "clear_number": 3,
                                "log_template_id": 1}])
    insert(engine, "task_instance", [ti_row("etl_daily", "manual__1", "extract", "success", executor="CeleryExecutor",
                                            task_display_name="Extract", rendered_map_index=None)])
    insert(engine, "log", [{"id": 5, "dttm": t(2), "dag_id": "etl_daily", "event": "success", "run_id": "manual__1",
                            "try_number": 2, "owner": "airflow", "owner_display_name": "Airflow"}])
    insert(engine, "slot_pool", [{"id": 1, "pool": "default_pool", "slots": 128, "include_deferred": False}])


def test_no_secret_in_any_log_record(caplog, source, target, fernet_a, fernet_b, backup_dir):
    caplog.set_level(logging.DEBUG)  # every logger, SQLAlchemy's engine logs included
    export(source, fernet_a, backup_dir)
    import_(target, fernet_b, backup_dir)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "exported connection: 3 rows" in text and "imported variable" in text
    for secret in SECRETS.values():
        assert secret not in text
