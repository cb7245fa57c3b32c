"""The complaint-handling services. Each is self-contained; they share only the `shared` package."""
