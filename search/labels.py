"""How stored codes read to users: the Chinese names of source kinds and sentiment labels."""

KIND_NAMES = {"social": "社交媒体", "forum": "论坛", "complaint": "投诉平台", "review": "点评",
              "news": "新闻"}
LABEL_NAMES = {"negative": "负面", "neutral": "中性", "positive": "正面"}
