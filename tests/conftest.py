from hypothesis import settings

pytest_plugins = [
    "tests.fixtures.kafka",
    "tests.fixtures.postgres",
    "tests.fixtures.stores",
    "tests.fixtures.oidc",
    "tests.fixtures.signing",
    "tests.fixtures.keyring",
]

# Hypothesis fails an example that takes over 200 ms by default: a timing assertion, which this
# project's tests never make. On a loaded two-core machine a pure example took 305 ms
# (tests/triage/test_complainant_memory.py, round 25) and failed a run that was otherwise green.
settings.register_profile("project", deadline=None)
settings.load_profile("project")
