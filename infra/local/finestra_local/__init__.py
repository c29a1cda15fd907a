"""The local stack: what runs Finestra on one machine with moto as its AWS."""
