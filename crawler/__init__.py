"""The crawler: fetches pages politely and hands extracted `Page` objects downstream."""
