"""One spider per site; which spider a source's ``spider`` key names is the site registry's (``crawler.sites``)."""
