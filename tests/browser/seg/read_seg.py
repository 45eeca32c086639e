"""Reads a DICOM SEG with pydicom and prints what the browser tests compare, as JSON.

Usage: /usr/bin/python3 read_seg.py FILE
"""
import json
import sys

import numpy as np
import pydicom


def code(seq):
    item = seq[0]
    return [str(item.CodeValue), str(item.CodingSchemeDesignator), str(item.CodeMeaning)]


def main(path):
    ds = pydicom.dcmread(path)
    pixels = ds.pixel_array
    if int(ds.NumberOfFrames) == 1:
        pixels = pixels[np.newaxis]
    frames = []
    for k, group in enumerate(ds.PerFrameFunctionalGroupsSequence):
        frame = pixels[k].reshape(-1)
        frames.append({
            "segment": int(group.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
            "source": str(group.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID),
            "pixels": [int(i) for i in np.flatnonzero(frame)],
        })
    segments = []
    for s in ds.SegmentSequence:
        ident = getattr(s, "SegmentationAlgorithmIdentificationSequence", None)
        segments.append({
            "number": int(s.SegmentNumber),
            "label": str(s.SegmentLabel),
            "algorithmType": str(s.SegmentAlgorithmType),
            "algorithmName": str(getattr(s, "SegmentAlgorithmName", "")),
            "category": code(s.SegmentedPropertyCategoryCodeSequence),
            "type": code(s.SegmentedPropertyTypeCodeSequence),
            "algorithmVersion": str(ident[0].AlgorithmVersion) if ident else None,
        })
    print(json.dumps({
        "sopClassUID": str(ds.SOPClassUID),
        "transferSyntaxUID": str(ds.file_meta.TransferSyntaxUID),
        "seriesInstanceUID": str(ds.SeriesInstanceUID),
        "seriesDescription": str(ds.get("SeriesDescription", "")),
        "studyInstanceUID": str(ds.StudyInstanceUID),
        "frameOfReferenceUID": str(ds.get("FrameOfReferenceUID", "")),
        "segmentationType": str(ds.SegmentationType),
        "referencedSeries": [str(s.SeriesInstanceUID) for s in ds.get("ReferencedSeriesSequence", [])],
        "segments": segments,
        "frames": frames,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
