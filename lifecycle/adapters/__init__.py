"""Adapters over the tools the steps drive: processes, the Docker engine and BuildKit,
kubectl and kustomize, git, pipenv, debootstrap."""
