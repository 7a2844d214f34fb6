DROP TABLE selfie_bands;
