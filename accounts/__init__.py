"""Users, the unit tree (责任单位层级) and roles."""
