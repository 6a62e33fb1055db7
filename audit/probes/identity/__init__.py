"""The identity-consistency probe kind: does the model say what it is, in every language, under spoofing?"""
