#!/usr/bin/env bash
# Installs what the DAG logic tests (test/dags) need for /usr/bin/python3, when missing (Debian packages; PyPI is not
# used): python3-pytest, python3-sqlalchemy (1.4, the series Airflow 2.x runs on), python3-cryptography (Fernet).
# Already installed: nothing happens but one line.
set -euo pipefail
packages=(python3-pytest python3-sqlalchemy python3-cryptography)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "python-deps: missing ${missing[*]}; run as root or: apt-get install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  install() { $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1; }
  # Package lists may be missing or stale on a fresh machine: update once and retry.
  if ! install; then
    $sudo apt-get update -q >>"$log" 2>&1 || true
    install || { cat "$log" >&2; rm -f "$log"; echo "python-deps: apt-get install ${missing[*]} failed" >&2; exit 1; }
  fi
  rm -f "$log"
fi
versions=$(/usr/bin/python3 -c 'import sys, sqlalchemy, cryptography, pytest
print(sys.version.split()[0], sqlalchemy.__version__, cryptography.__version__, pytest.__version__)')
read -r py sqla crypto pyt <<<"$versions"
case "$sqla" in
  1.4.*) ;;
  *) echo "python-deps: SQLAlchemy $sqla found; the DAG tests need 1.4.x (what Airflow 2.x uses)" >&2; exit 1 ;;
esac
state="present"; [ ${#missing[@]} -eq 0 ] || state="installed ${missing[*]}"
echo "python-deps: Python $py, SQLAlchemy $sqla, cryptography $crypto, pytest $pyt ($state)"
