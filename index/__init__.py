"""Analysis at index time and the index: `tagging` (the NLTK pipeline: Page -> talk entries) and
`search` (the Whoosh index and the search engine). Each subpackage's __init__ is its public API."""
