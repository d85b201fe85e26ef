"""Zhihu (www.zhihu.com): search for answers, articles and videos."""
