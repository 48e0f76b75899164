"""A throwaway provider that lives only in the test tree: carrier-pigeon post.

It proves a channel is one package: `test_adding_a_provider.py` registers it for one test and
the inbox, contact page, linking, erasure and export work for it with no edit outside here.
"""
