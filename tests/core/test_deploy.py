"""The production profile passes Django's deployment checks with warnings treated as errors."""

import os
import secrets
import subprocess
import sys


def _check(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-m", "linli.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_profile_passes_check_deploy(tmp_path):
    result = _check({"LINLI_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(64),
                     "ALLOWED_HOSTS": "linli.example.gov.cn", "LINLI_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr


def test_development_profile_would_fail_it(tmp_path):
    result = _check({"LINLI_ENV": "development", "DEBUG": "true",
                     "LINLI_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _check({"LINLI_ENV": "production", "SECRET_KEY": "",
                     "LINLI_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
