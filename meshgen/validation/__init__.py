"""Istio manifests checked offline: schemas, served versions, positions."""
