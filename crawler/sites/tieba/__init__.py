"""Baidu Tieba (tieba.baidu.com): forum lists, threads and keyword search, GBK."""
