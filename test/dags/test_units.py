"""Conf parsing, version gate, JSONL values, S3 storage calls."""
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from patterns_cdk import metadata_backup as mb

KMS = "arn:aws:kms:eu-west-1:123456789012:key/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"


@pytest.mark.parametrize("version", ["2.7.2", "2.8.1", "2.9.2", "2.10.3", "2.11.0"])
def test_supported_versions(version):
    assert mb.check_airflow_version(version)[0] == 2


@pytest.mark.parametrize("version,reason", [
    ("3.0.6", "tasks cannot reach the metadata database in Airflow 3"),
    ("2.6.3", "support Airflow 2.7 to 2.11"),
    ("2.4.3", "support Airflow 2.7 to 2.11"),
    ("", "cannot be read"),
])
def test_unsupported_versions(version, reason):
    with pytest.raises(mb.UnsupportedAirflowVersion, match=reason):
        mb.check_airflow_version(version)


def test_export_conf():
    conf = mb.parse_export_conf({"bucket": "my-backups", "prefix": "backups/env/20261205T200000Z/",
                                 "kmsKeyArn": KMS, "exportConnections": False, "exportVariables": True})
    assert conf == {"bucket": "my-backups", "prefix": "backups/env/20261205T200000Z/", "kmsKeyArn": KMS,
                    "exportConnections": False, "exportVariables": True}
    assert mb.parse_export_conf({"bucket": "b-1", "prefix": "p/", "kmsKeyArn": KMS})["exportConnections"] is True


def test_export_conf_problems_all_at_once():
    with pytest.raises(mb.BackupError) as info:
        mb.parse_export_conf({"bucket": "Bad_Bucket", "prefix": "/abs", "kmsKeyArn": "alias/x",
                              "exportVariables": "yes"})
    assert str(info.value) == ("pcdk_export conf: bucket must be an S3 bucket name; prefix must be a relative S3 "
                               "prefix ending with '/' (e.g. backups/<env>/<id>/); kmsKeyArn must be a KMS key ARN; "
                               "exportVariables must be true or false")
    with pytest.raises(mb.BackupError, match="pcdk_import conf: bucket"):
        mb.parse_import_conf(None)
    with pytest.raises(mb.BackupError, match="prefix"):
        mb.parse_import_conf({"bucket": "abc", "prefix": "backups/../other/"})


def test_values_round_trip_through_the_target_types():
    md = sa.MetaData()
    table = sa.Table("x", md, sa.Column("b", sa.LargeBinary), sa.Column("naive", sa.DateTime),
                     sa.Column("aware", sa.DateTime(timezone=True)), sa.Column("j", sa.JSON),
                     sa.Column("flag", sa.Boolean), sa.Column("text", sa.Text))
    aware = dt.datetime(2026, 12, 5, 21, 0, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert mb.encode_value(aware) == "2026-12-05T20:00:00.000005Z"
    assert mb.encode_value(dt.datetime(2026, 12, 5, 20)) == "2026-12-05T20:00:00.000000Z"
    assert mb.encode_value(b"\x00\xff") == {"$hex": "00ff"}
    assert mb.encode_value(memoryview(b"ab")) == {"$hex": "6162"}
    assert mb.decode_value({"$hex": "00ff"}, table.c.b) == b"\x00\xff"
    assert mb.decode_value("2026-12-05T20:00:00.000005Z", table.c.naive) == dt.datetime(2026, 12, 5, 20, 0, 0, 5)
    assert mb.decode_value("2026-12-05T20:00:00.000005Z", table.c.aware) == aware
    assert mb.decode_value({"$hex": "00"}, table.c.j) == {"$hex": "00"}  # JSON columns are taken as they are
    assert mb.decode_value(1, table.c.flag) is True
    assert mb.decode_value({"a": 1}, table.c.text) == '{"a": 1}'
    with pytest.raises(mb.BackupError, match=r"x.b: expected"):
        mb.decode_value("00ff", table.c.b)
    with pytest.raises(TypeError, match="complex"):
        mb.encode_value(1j)


class FakeS3:
    def __init__(self):
        self.objects, self.calls = {}, []

    def upload_file(self, filename, bucket, key, ExtraArgs=None):
        self.calls.append(("upload_file", bucket, key, ExtraArgs))
        with open(filename, "rb") as f:
            self.objects[(bucket, key)] = f.read()

    def put_object(self, Bucket, Key, Body, **kwargs):
        self.calls.append(("put_object", Bucket, Key, kwargs))
        self.objects[(Bucket, Key)] = Body

    def _get(self, bucket, key):
        if (bucket, key) not in self.objects:
            error = Exception("An error occurred (NoSuchKey)")
            error.response = {"Error": {"Code": "NoSuchKey"}}
            raise error
        return self.objects[(bucket, key)]

    def download_file(self, bucket, key, filename):
        data = self._get(bucket, key)
        with open(filename, "wb") as f:
            f.write(data)

    def get_object(self, Bucket, Key):
        return {"Body": io.BytesIO(self._get(Bucket, Key))}


def test_s3_storage_writes_every_object_with_sse_kms(tmp_path, source, target, fernet_a, fernet_b):
    s3 = FakeS3()
    out = mb.S3Storage(s3, "my-backups", "backups/env/20261205T200000Z/", KMS)
    mb.export_metadata(source, out, fernet_a, airflow_version="2.7.2")
    assert len(s3.calls) == 10
    sse = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KMS}
    assert all(call[3] == sse for call in s3.calls)
    assert [c[2] for c in s3.calls][-1] == "backups/env/20261205T200000Z/manifest.json"
    assert {c[0] for c in s3.calls if "/secrets/" in c[2]} == {"put_object"}  # secrets never on the worker's disk
    # the import reads with get/download only (no KMS key needed: S3 decrypts with the key policy's grant)
    reader = mb.S3Storage(s3, "my-backups", "backups/env/20261205T200000Z/")
    mb.import_metadata(target, reader, fernet_b, wait_for_dags_seconds=0)
    with pytest.raises(mb.BackupError, match="kmsKeyArn"):
        reader.put_bytes("x", b"")


def test_s3_storage_missing_objects_are_reported_as_missing():
    s3 = FakeS3()
    storage = mb.S3Storage(s3, "b", "p/", KMS)
    with pytest.raises(FileNotFoundError):
        storage.get_bytes("manifest.json")
    assert mb.check_manifest(storage) == ["manifest.json not found (the export did not finish)"]


def test_storage_paths_stay_under_the_prefix(tmp_path):
    local = mb.LocalDirectoryStorage(str(tmp_path))
    for bad in ("../x", "/etc/passwd", "a//b", "a/./b", ""):
        with pytest.raises(ValueError):
            local.put_bytes(bad, b"")
        with pytest.raises(ValueError):
            mb.S3Storage(FakeS3(), "b", "p/", KMS).put_bytes(bad, b"")
