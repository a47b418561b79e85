import sys; print("stub", sys.argv[1:])
