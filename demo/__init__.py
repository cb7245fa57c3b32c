"""The demo feed: several offices go about their complaints so a newcomer watches the dashboard come alive."""
