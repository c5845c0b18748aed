"""Analysis at index time (the NLTK tagging pipeline) and the Whoosh index."""
