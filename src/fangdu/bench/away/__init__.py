"""The away benchmark: art, layouts and photo conditions that fangdu.synth never used."""
