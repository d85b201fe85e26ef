"""黑猫投诉 (tousu.sina.com.cn): keyword search over the JSON API, complaint detail pages."""
