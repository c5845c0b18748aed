"""The Flask front end: server-rendered faceted search, a JSON API, health and metrics."""
