"""The test and bench harness: stacks of the built image with MySQL and a registry, HTTP
load and memory sampling. Kept apart from the steps, as urllib3 keeps its dummyserver."""
