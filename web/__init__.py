"""The Flask front end (search pages and JSON API); not built yet."""
