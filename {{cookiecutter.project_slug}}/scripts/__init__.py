"""The project's setup tools (env.py, and envlock.py, which the package imports as
`scripts.envlock`). A package, so that imports find this folder before any other `scripts`."""
