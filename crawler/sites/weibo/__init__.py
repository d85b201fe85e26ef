"""Weibo (m.weibo.cn): keyword search through the mobile API, long posts from their detail page."""
