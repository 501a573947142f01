# %% [markdown]
# # ecgad in a notebook: synthetic ECG -> fit -> evaluate -> plot -> drift
#
# A notebook-style script (``# %%`` cells open as a notebook in VS Code / Jupytext). Run it as
#
#     python python/examples/notebook_quickstart.py [output-folder]
#
# It writes its figures as PNG files into the output folder (default: ``ecgad-quickstart``) and
# prints what it measured. tests/python/test_examples.py executes it.

# %%
import sys
from pathlib import Path

import matplotlib

if __name__ == "__main__" and "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # a script writes files; a notebook shows the figures inline
import matplotlib.pyplot as plt
import numpy as np

import ecgad
from ecgad import plot

out = Path(sys.argv[1] if len(sys.argv) > 1 and __name__ == "__main__" else "ecgad-quickstart")
out.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. Data: a synthetic cohort with labelled abnormal beats
# Five "subjects" of 4 minutes at 360 Hz: normal sinus rhythm with premature ventricular and
# supraventricular beats, ST elevation and T inversion sprinkled in (labels come with them).

# %%
cohort = ecgad.pipeline.synthetic_cohort(subjects=5, duration_s=240.0, seed=7)
train, test = cohort[:4], cohort[4]
print(f"{len(cohort)} recordings, labels in the test one:",
      {k: int(v) for k, v in zip(*np.unique(test["labels"], return_counts=True))})

# %% [markdown]
# ## 2. Fit on raw ECG
# ``fit(signal, fs=...)`` runs the preprocessing chain (band-pass, R peaks, beats,
# patient-relative inputs), trains the autoencoder on the usable beats and calibrates a
# conformal threshold on held-out ones. The training recordings hold abnormal beats too; their
# labels are matched to the beats ``segment`` finds and ``exclude`` leaves them out (without it
# the model also learns to reconstruct some of them).

# %%
abnormal = []
for r in train:
    found = ecgad.AnomalyDetector.segment(r["signal"], fs=360.0)
    abnormal.append(ecgad.pipeline.beat_labels(found.sample_index, r["label_samples"],
                                               r["labels"], fs_hz=360.0) != "N")
detector = ecgad.AnomalyDetector(alpha=0.01, epochs=30, seed=0)
detector.fit([r["signal"] for r in train], fs=360.0, exclude=np.concatenate(abnormal))
print(detector, f"threshold_={detector.threshold_:.4f}", f"trained on {detector.n_train_beats_} beats")

# %% [markdown]
# ## 3. Evaluate on a held-out subject
# ``segment`` gives the beats (R-peak samples) the scores belong to; labels are matched to them.

# %%
beats = detector.segment(test["signal"], fs=360.0)
scores = detector.reconstruction_error(test["signal"], fs=360.0)
labels = ecgad.pipeline.beat_labels(beats.sample_index, test["label_samples"], test["labels"],
                                    fs_hz=360.0)
keep = beats.usable & (labels != "")  # scored with a warm patient reference, labelled
y_true = labels != "N"
auc = ecgad.metrics.roc_auc(y_true[keep], scores[keep])
ap = ecgad.metrics.average_precision(y_true[keep], scores[keep])
flagged = detector.predict(test["signal"], fs=360.0) == -1
tpr = flagged[keep & y_true].mean()
fpr = flagged[keep & ~y_true].mean()
print(f"ROC-AUC {auc:.3f}  AP {ap:.3f}  sensitivity {tpr:.3f}  false-positive rate {fpr:.3f}")

# %% [markdown]
# ## 4. Plots

# %%
fig, axes = plt.subplots(2, 2, figsize=(11, 8))
plot.plot_roc(y_true[keep], scores[keep], ax=axes[0, 0])
plot.plot_precision_recall(y_true[keep], scores[keep], ax=axes[0, 1])
plot.plot_score_histogram(scores[keep], threshold=detector.threshold_, y_true=y_true[keep],
                          ax=axes[1, 0])
plot.plot_training_curves(detector.history_, ax=axes[1, 1])
fig.tight_layout()
fig.savefig(out / "evaluation.png", dpi=90)

# The model input of a beat is its residual against the patient's running median beat (140
# points over 0.25 s before .. 0.45 s after the R peak) followed by two RR features.
worst = int(np.argmax(np.where(keep, scores, -np.inf)))
window = detector.preprocessing_["beats"]
n = window["length"]
row = beats.inputs[worst:worst + 1]
fig, ax = plt.subplots(2, 1, sharex=True, figsize=(6, 5))
plot.plot_beat(row[0, :n], detector.reconstruct(row)[0, :n], ax=ax,
               fs_hz=(n - 1) / (window["before_s"] + window["after_s"]),
               before_s=window["before_s"],
               unit="a.u.", title=f"most anomalous beat ({labels[worst]}): residual vs median beat")
fig.savefig(out / "worst_beat.png", dpi=90)

# %% [markdown]
# ## 5. Drift: stream a new patient whose electrode gain halves after 12 minutes
# The detector's bundle feeds the inference pipeline; its monitor learns the patient in the
# first 5 minutes and then raises typed alerts. Any score stream also works with the raw
# detectors, e.g. ADWIN over the scores.

# %%
stream_ecg = ecgad.synth.synthesize(duration_s=1200.0, heart_rate_bpm=68.0, noise_mv=0.02,
                                    seed=11, drift=[ecgad.synth.gain_step(720.0, -0.5)])
stream = ecgad.pipeline.StreamPipeline(detector.package_)
events = [stream.process(chunk) for chunk in np.array_split(stream_ecg.ecg_mv, 1200)]
events.append(stream.finish())
time_s = np.concatenate([e["time_s"] for e in events])
stream_scores = np.concatenate([e["score"] for e in events])
alerts = stream.alerts()
for a in alerts:
    print(f"alert at {a['detected_s'] / 60:.1f} min: {a['kind']} ({a['cause']}) -> {a['action']}")
print("recommendation:", stream.recommend()["reasons"])

adwin = ecgad.drift.ADWIN(delta=0.002)
levels = adwin.update_many(stream_scores)
print("ADWIN on the scores: first drift at",
      f"{time_s[np.argmax(levels == 2)] / 60:.1f} min" if (levels == 2).any() else "none")

ax = plot.plot_drift_timeline(time_s, stream_scores, alerts=alerts,
                              changes=[(720.0, "gain x0.5")], threshold=detector.threshold_)
ax.figure.savefig(out / "drift.png", dpi=90)
plt.close("all")
print("figures in", out)
