"""Fixtures for the ewsemu integration tests; the helpers are in ews_it.py.

* EWSEMU_BIN names the binary (default <repo>/build/src/ewsemu).
* Each test module gets a fresh store and server (fixture `env`).
* Every SOAP response body is schema-checked by ews_it.validate_soap_body().
"""
from ews_it import _binary_exists, _server_log_check, env  # noqa: F401  (pytest fixtures)
