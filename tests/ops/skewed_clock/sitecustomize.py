"""Put this folder on PYTHONPATH to skew a Python process's wall clock by CLOCK_SKEW_SECONDS.

Python imports `sitecustomize` at start-up, before any other module, so every later `time.time()`
(aiokafka's record timestamps, logging's) and `datetime.now()` reads the skewed clock, as on a host
whose clock is off. The monotonic clock (timeouts, intervals) is left alone, as an NTP-less host
would leave it. aiokafka's compiled record builder reads the C library's clock, which no Python
patch reaches (libfaketime would, and is not installed here), so its pure-Python builder is chosen
(`AIOKAFKA_NO_EXTENSIONS`): same records, stamped with this clock. psycopg's compiled
implementation is set aside the same way (`PSYCOPG_IMPL=python`): it is built against the C
datetime type, which the patch below replaces (it warns "datetime.datetime size changed" at import).
"""

import datetime as _datetime
import os
import time as _time

_skew = float(os.environ.get("CLOCK_SKEW_SECONDS", "0"))
if _skew:
    os.environ["AIOKAFKA_NO_EXTENSIONS"] = "1"
    os.environ["PSYCOPG_IMPL"] = "python"
    _real_time = _time.time
    _real_time_ns = _time.time_ns
    _time.time = lambda: _real_time() + _skew
    _time.time_ns = lambda: _real_time_ns() + int(_skew * 1e9)

    class _SkewedDatetime(_datetime.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def]
            return super().now(tz) + _datetime.timedelta(seconds=_skew)

        @classmethod
        def utcnow(cls):  # type: ignore[no-untyped-def]
            return super().utcnow() + _datetime.timedelta(seconds=_skew)

    _datetime.datetime = _SkewedDatetime  # type: ignore[misc]
