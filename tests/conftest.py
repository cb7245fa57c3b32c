pytest_plugins = [
    "tests.fixtures.kafka",
    "tests.fixtures.postgres",
    "tests.fixtures.stores",
    "tests.fixtures.oidc",
    "tests.fixtures.signing",
    "tests.fixtures.keyring",
]
