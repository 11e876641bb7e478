python train.py
vtsserving models list logistic_regression_model
