"""Network architectures: the cVAE, its encoders and decoders (TCN, GRU, periodic), the flow prior, losses."""
