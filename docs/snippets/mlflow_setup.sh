pip install torch==2.13.0    # the release this page is tested with; pytorch.org has the one for your GPU
