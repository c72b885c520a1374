"""The HTTP JSON API of the credentials backend: thin routes that call credentials.services."""
