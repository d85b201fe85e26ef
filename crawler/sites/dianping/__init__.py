"""大众点评 (www.dianping.com): a shop's all-reviews pages, with characters hidden behind glyphs."""
