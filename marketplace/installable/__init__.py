"""Putting 网淘 on a phone's home screen: the web app manifest, the service
worker and the page it shows when the network is gone."""
