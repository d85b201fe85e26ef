"""What every site spider shares: the source it crawls, the parser call, paging (``base``, ``paged``).

Each site's own spider is ``crawler/sites/<site>/spider.py``.
"""
