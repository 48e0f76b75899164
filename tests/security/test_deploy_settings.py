"""`heedful check --deploy` passes in production settings: an https HEEDFUL_BASE_URL turns on the
SSL redirect, secure cookies and HSTS, and each has its own variable."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

HEEDFUL = str(Path(sys.executable).with_name("heedful"))


def _env(tmp_path, **extra) -> dict:
    # A fresh key per run: never a secret in the repository.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEEDFUL_", "DJANGO_", "DATABASE_URL"))}
    return {**env, "DJANGO_SETTINGS_MODULE": "heedful.config.settings", "HEEDFUL_VAR_DIR": str(tmp_path),
            "HEEDFUL_SECRET_KEY": secrets.token_urlsafe(50), "HEEDFUL_ALLOWED_HOSTS": "help.example.com",
            **extra}


def check_deploy(tmp_path, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([HEEDFUL, "check", "--deploy", "--fail-level", "WARNING"], env=_env(tmp_path, **extra),
                          capture_output=True, text=True, timeout=120)


def production_settings(tmp_path, **extra) -> dict:
    code = ("import json, django; django.setup(); from django.conf import settings as s; print(json.dumps("
            "{k: getattr(s, k, None) for k in ('SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', "
            "'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER')}))")
    out = subprocess.run([sys.executable, "-c", code], env=_env(tmp_path, **extra), capture_output=True,
                         text=True, timeout=120, check=True)
    return json.loads(out.stdout)


def test_check_deploy_passes_with_the_documented_production_variables(tmp_path):
    result = check_deploy(tmp_path, HEEDFUL_BASE_URL="https://help.example.com",
                          HEEDFUL_HSTS_INCLUDE_SUBDOMAINS="1", HEEDFUL_HSTS_PRELOAD="1")
    print("\n" + result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_an_https_base_url_alone_fixes_the_four_warnings(tmp_path):
    result = check_deploy(tmp_path, HEEDFUL_BASE_URL="https://help.example.com")
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning not in result.stdout + result.stderr, warning


def test_the_variables_map_to_djangos_settings(tmp_path):
    plain = production_settings(tmp_path, HEEDFUL_BASE_URL="http://127.0.0.1:8000")
    assert plain == {"SECURE_SSL_REDIRECT": False, "SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False,
                     "SECURE_HSTS_SECONDS": 0, "SECURE_PROXY_SSL_HEADER": None}
    behind_proxy = production_settings(tmp_path, HEEDFUL_BASE_URL="https://help.example.com",
                                       HEEDFUL_SECURE_PROXY_HEADER="X-Forwarded-Proto", HEEDFUL_HSTS_SECONDS="600",
                                       HEEDFUL_SSL_REDIRECT="0")
    assert behind_proxy == {"SECURE_SSL_REDIRECT": False, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
                            "SECURE_HSTS_SECONDS": 600,
                            "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}
